import type { VigilConfig } from '../../../libs/config';
import { CLI_SEARCH_ATTRIBUTE_TYPES, type VIGIL_SEARCH_ATTRIBUTES } from '../../../libs/contracts';

/**
 * The Temporal CLI command that registers the missing search attributes on the very cluster and
 * namespace this worker uses: without `--address` the CLI would register them on its default
 * server, perhaps another one. A Temporal Cloud API key is left to the shell, never written out.
 */
export function searchAttributeCreateCommand(temporal: VigilConfig['temporal'], missing: ReadonlyArray<(typeof VIGIL_SEARCH_ATTRIBUTES)[number]>): string {
  const { address, namespace, tls, apiKey } = temporal;
  const words = ['temporal', 'operator', 'search-attribute', 'create', '--address', address, '--namespace', namespace];
  if (tls.enabled) words.push('--tls');
  if (tls.certPath) words.push('--tls-cert-path', tls.certPath);
  if (tls.keyPath) words.push('--tls-key-path', tls.keyPath);
  if (tls.caPath) words.push('--tls-ca-path', tls.caPath);
  if (tls.serverName) words.push('--tls-server-name', tls.serverName);
  const quoted = words.map(shellWord);
  if (apiKey) quoted.push('--api-key', '"$TEMPORAL_API_KEY"');
  for (const attribute of missing) quoted.push('--name', attribute.name, '--type', CLI_SEARCH_ATTRIBUTE_TYPES[attribute.type]);
  return quoted.join(' ');
}

function shellWord(word: string): string {
  return /^[A-Za-z0-9_./:@=+-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}
