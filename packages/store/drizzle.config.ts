import { defineConfig } from 'drizzle-kit';

// `npx drizzle-kit generate --config packages/store/drizzle.config.ts` writes a new migration after a schema change.
export default defineConfig({
  dialect: 'postgresql',
  // The core tables, and one file per area (`schema-runs.ts`, `schema-sync.ts`, …). A test must not
  // be named `schema-*.ts`: drizzle-kit would read it as a schema.
  schema: ['./packages/store/src/schema.ts', './packages/store/src/schema-*.ts'],
  out: './packages/store/migrations',
});
