import { readFileSync } from 'node:fs';
import type { TLSConfig } from '@temporalio/client';
import type { VigilConfig } from '../../config';

/** gRPC connection settings for a local dev server, a self-hosted cluster (mTLS) or Temporal Cloud (API key). */
export function temporalConnectionOptions(config: VigilConfig): {
  address: string;
  tls?: TLSConfig | boolean;
  apiKey?: string;
} {
  const { address, tls, apiKey } = config.temporal;
  if (!tls.enabled) return { address };
  const tlsConfig: TLSConfig = {};
  if (tls.serverName) tlsConfig.serverNameOverride = tls.serverName;
  if (tls.caPath) tlsConfig.serverRootCACertificate = readFileSync(tls.caPath);
  if (tls.certPath && tls.keyPath) {
    tlsConfig.clientCertPair = { crt: readFileSync(tls.certPath), key: readFileSync(tls.keyPath) };
  }
  return { address, tls: tlsConfig, apiKey };
}
