import { findFreePort, whyPortUnusable } from './free-port';
import { STACK_DEFAULT_PORTS, type StackSettings } from './stack-settings';

/** A port one of the stack's servers wants: the one its setting names, or else a default. */
export interface PortWish {
  /** The variable that sets it, named in errors and notices. */
  setting: string;
  /** The variable that sets the host, when the user chose that too (the API's HOST). */
  hostSetting?: string;
  explicit?: number;
  fallback: number;
  host: string;
}

export interface ChosenPort {
  port: number;
  /** True when the default was taken and a free port was picked instead. */
  substituted: boolean;
}

/**
 * Every server's port, chosen before any starts. A port set explicitly must be free and no other
 * server's: otherwise the clash would surface only once the servers before it were up, or not at
 * all (a Temporal already on the port answers the readiness check meant for this stack's own).
 * A default that is taken, by another process or by another server's setting, becomes a free port.
 */
export async function chooseStackPorts<K extends string>(wishes: Partial<Record<K, PortWish>>): Promise<Partial<Record<K, ChosenPort>>> {
  const entries = (Object.entries(wishes) as Array<[K, PortWish | undefined]>).filter((entry): entry is [K, PortWish] => entry[1] !== undefined);
  const claimed = new Map<number, string>();
  for (const [, wish] of entries) {
    if (wish.explicit === undefined) continue;
    const other = claimed.get(wish.explicit);
    if (other) throw new Error(`${other} and ${wish.setting} are both ${wish.explicit}; each server needs a port of its own`);
    claimed.set(wish.explicit, wish.setting);
  }

  const chosen: Partial<Record<K, ChosenPort>> = {};
  for (const [key, wish] of entries) {
    if (wish.explicit !== undefined) {
      const problem = await whyPortUnusable(wish.explicit, wish.host);
      const blamed = problem?.hostAtFault && wish.hostSetting ? wish.hostSetting : wish.setting;
      if (problem) throw new Error(`${blamed}: ${problem.reason}; set ${blamed} to another`);
      chosen[key] = { port: wish.explicit, substituted: false };
      continue;
    }
    const claimedByAnother = claimed.has(wish.fallback);
    const problem = claimedByAnother ? undefined : await whyPortUnusable(wish.fallback, wish.host);
    if (problem && !problem.inUse) throw new Error(`${wish.hostSetting ?? wish.setting}: ${problem.reason}; set ${wish.hostSetting ?? wish.setting} to another`);
    const port = claimedByAnother || problem ? await freePortNotIn(claimed, wish.host) : wish.fallback;
    claimed.set(port, wish.setting);
    chosen[key] = { port, substituted: port !== wish.fallback };
  }
  return chosen;
}

async function freePortNotIn(claimed: Map<number, string>, host: string): Promise<number> {
  for (;;) {
    const port = await findFreePort(host);
    if (!claimed.has(port)) return port;
  }
}

/** The servers of a stack with these settings, each with its port wish (none for a database or Temporal given by URL). */
export type StackServer = 'api' | 'postgres' | 'temporal' | 'temporalUi';

export function stackPortWishes(settings: StackSettings): Partial<Record<StackServer, PortWish>> {
  const local = '127.0.0.1';
  return {
    api: { setting: 'PORT', hostSetting: 'HOST', explicit: settings.apiPort, fallback: STACK_DEFAULT_PORTS.api, host: settings.apiHost },
    ...(settings.externalDatabase ? {} : { postgres: { setting: 'VIGIL_PG_PORT', explicit: settings.postgresPort, fallback: STACK_DEFAULT_PORTS.postgres, host: local } }),
    ...(settings.externalTemporal
      ? {}
      : {
          temporal: { setting: 'VIGIL_TEMPORAL_PORT', explicit: settings.temporalPort, fallback: STACK_DEFAULT_PORTS.temporal, host: local },
          temporalUi: { setting: 'VIGIL_TEMPORAL_UI_PORT', explicit: settings.temporalUiPort, fallback: STACK_DEFAULT_PORTS.temporalUi, host: local },
        }),
  };
}
