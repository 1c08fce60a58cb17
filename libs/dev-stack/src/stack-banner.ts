export interface StackUrls {
  apiUrl: string;
  temporalAddress: string;
  temporalUiUrl: string;
  databaseUrl: string;
  dataDir: string;
  postgresLog?: string;
}

/** What the user needs once the stack is up; passwords are masked. */
export function stackBanner(urls: StackUrls): string {
  const rows: [string, string][] = [
    ['API', urls.apiUrl],
    ['OpenAPI docs', `${urls.apiUrl}/docs  (user: any, password: an API key)`],
    ['Health', `${urls.apiUrl}/health/ready`],
    ['Prometheus metrics', `${urls.apiUrl}/metrics`],
    ['Temporal UI', urls.temporalUiUrl],
    ['Temporal gRPC', urls.temporalAddress],
    ['PostgreSQL (app)', maskPassword(urls.databaseUrl)],
    ['Data dir', urls.dataDir],
  ];
  if (urls.postgresLog) rows.push(['PostgreSQL log', urls.postgresLog]);
  const width = Math.max(...rows.map(([label]) => label.length));
  return ['', 'Vigil is up.', ...rows.map(([label, value]) => `  ${label.padEnd(width)}  ${value}`), '', 'Ctrl-C stops everything.', ''].join('\n');
}

export function adminKeyNotice(key: string): string {
  return ['', 'A new admin API key was created. It is shown only this once, save it now:', '', `  ${key}`, '', 'Use it as: Authorization: Bearer <key>', ''].join('\n');
}

function maskPassword(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return url;
  }
}
