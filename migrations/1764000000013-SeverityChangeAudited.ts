import type { MigrationInterface, QueryRunner } from 'typeorm';
import { INTAKE_ACCEPT_WITH_REQUEST_HASH } from './1764000000005-IdempotencyRequestHash';

/**
 * A repeat with another severity changes the incident's severity, and its `alert.received` event
 * said only the alert's own severity: what it was before (and so that this alert changed it) could
 * only be worked out from the earlier events. The event now carries `severityChangedFrom`: the
 * incident's severity before this alert, or null when the alert left it unchanged.
 *
 * It is a fifth hole in the API's audit template (INTAKE_AUDIT_HOLES, third in canonical order). A
 * template with four (from an API process of the code before, while the processes are replaced) is
 * still filled as before.
 *
 * `intake_accept` is 1764000000005's with these exact edits, each checked to apply once.
 */
const EDITS: Array<[before: string, after: string]> = [
  ['        v_chain text;\n', '        v_chain text;\n        v_severity_from text;\n'],
  ['          v_outbox_id := NULL;\n', '          v_outbox_id := NULL;\n          v_severity_from := NULL;\n'],
  [
    "ARRAY['incident:' || r.incident::text, 'deduplicated', r.incident::text, r.incident_workflow])",
    "CASE cardinality(r.audit) WHEN 5 THEN ARRAY['incident:' || r.incident::text, 'deduplicated', r.incident::text, r.incident_workflow]\n                   ELSE ARRAY['incident:' || r.incident::text, 'deduplicated', NULL, r.incident::text, r.incident_workflow] END)",
  ],
  [
    '                IF inc.severity <> a.severity THEN\n',
    '                IF inc.severity <> a.severity THEN\n                  v_severity_from := inc.severity;\n',
  ],
  [
    'audit_fill(a.audit, ARRAY[v_chain, v_outcome, inc.id::text, inc.workflow_id])',
    'audit_fill(a.audit, CASE cardinality(a.audit) WHEN 5 THEN ARRAY[v_chain, v_outcome, inc.id::text, inc.workflow_id]\n                                     ELSE ARRAY[v_chain, v_outcome, v_severity_from, inc.id::text, inc.workflow_id] END)',
  ],
];

export const INTAKE_ACCEPT_WITH_SEVERITY_CHANGE = EDITS.reduce((sql, [before, after]) => {
  const at = sql.indexOf(before);
  if (at < 0 || sql.indexOf(before, at + 1) >= 0) throw new Error(`1764000000013: expected exactly one ${JSON.stringify(before)} in intake_accept`);
  return sql.slice(0, at) + after + sql.slice(at + before.length);
}, INTAKE_ACCEPT_WITH_REQUEST_HASH);

export class SeverityChangeAudited1764000000013 implements MigrationInterface {
  name = 'SeverityChangeAudited1764000000013';

  async up(q: QueryRunner): Promise<void> {
    await q.query(INTAKE_ACCEPT_WITH_SEVERITY_CHANGE);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(INTAKE_ACCEPT_WITH_REQUEST_HASH);
  }
}
