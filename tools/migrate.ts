import { explainMigrationFailure, migrationLoginOf, runMigrations } from '../libs/dev-stack';

/** `npm run migration:run`: applies pending migrations as the schema owner. */
async function main(): Promise<void> {
  const login = migrationLoginOf(process.env);
  const ownerUrl = process.env[login];
  if (!ownerUrl) throw new Error('set DATABASE_OWNER_URL (or DATABASE_URL) to the database to migrate');
  await runMigrations(ownerUrl, (message) => console.log(message)).catch((error: unknown) => {
    throw explainMigrationFailure(error, login);
  });
}

main().catch((err: unknown) => {
  console.error(`migration failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
});
