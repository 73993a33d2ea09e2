import { MigrationInterface, QueryRunner } from 'typeorm';

export class Webhooks1765900000400 implements MigrationInterface {
  name = 'Webhooks1765900000400';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TABLE webhooks (
      id uuid PRIMARY KEY,
      account_id uuid NOT NULL,
      enterprise_project_id uuid NOT NULL,
      url text NOT NULL,
      description text NOT NULL DEFAULT '',
      event_types text[] NOT NULL,
      statuses text[] NOT NULL DEFAULT '{}',
      enabled boolean NOT NULL DEFAULT true,
      secret_sealed text NOT NULL,
      created_by text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    )`);
    // Every event looks its project's webhooks up.
    await queryRunner.query(`CREATE INDEX webhooks_project ON webhooks (account_id, enterprise_project_id)`);
    await queryRunner.query(`CREATE TABLE webhook_deliveries (
      id uuid PRIMARY KEY,
      webhook_id uuid NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
      event_id uuid NOT NULL,
      event_type text NOT NULL,
      body text NOT NULL,
      status text NOT NULL,
      attempts integer NOT NULL DEFAULT 0,
      next_attempt_at timestamptz,
      last_status_code integer,
      last_error text,
      response_excerpt text,
      created_at timestamptz NOT NULL DEFAULT now(),
      last_attempt_at timestamptz,
      finished_at timestamptz,
      UNIQUE (webhook_id, event_id)
    )`);
    // The dispatcher's question: which pending deliveries are due.
    await queryRunner.query(
      `CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 'PENDING'`,
    );
    await queryRunner.query(`CREATE INDEX webhook_deliveries_log ON webhook_deliveries (webhook_id, created_at DESC)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE webhook_deliveries`);
    await queryRunner.query(`DROP TABLE webhooks`);
  }
}
