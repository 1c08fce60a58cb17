/** What test/global-setup.ts hands to every test file through the environment. */
export function testEnv(name: 'VIGIL_TEST_DATABASE_URL' | 'VIGIL_TEST_DATABASE_OWNER_URL' | 'TEMPORAL_CLI_PATH' | 'CHROMIUM_PATH' | 'VIGIL_TEST_OUTAGE_DATABASE_URL' | 'VIGIL_TEST_OUTAGE_DATABASE_OWNER_URL'): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the tests through jest (test/global-setup.ts sets it)`);
  return value;
}
