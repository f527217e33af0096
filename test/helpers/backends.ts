/**
 * The engine pairs every end-to-end suite runs against: the embedded default, and the scale-out
 * engines (real Postgres when TEST_DATABASE_URL is set, else PGlite) with S3 through s3rver.
 */
export interface Backend {
  label: string;
  db: 'pglite' | 'postgres';
  store: 'fs' | 's3';
}

export const BACKENDS: Backend[] = [
  { label: 'PGlite + local blobs', db: 'pglite', store: 'fs' },
  process.env.TEST_DATABASE_URL
    ? { label: 'Postgres + S3', db: 'postgres', store: 's3' }
    : { label: 'PGlite + S3 (no TEST_DATABASE_URL)', db: 'pglite', store: 's3' },
];
