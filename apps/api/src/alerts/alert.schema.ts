import { z } from 'zod';
import { MAX_SERVICE_LENGTH } from '../../../../libs/contracts';
import { ALERT_STATUSES, INCIDENT_STATUSES, SEVERITIES } from '../../../../libs/domain';
import { ALERT_OUTCOMES } from '../../../../libs/persistence';
import { storable } from '../http/storable';
import type { AcceptedAlert } from './accept-alerts.use-case';
import { isBeforeUtc, utcTime } from './utc-time';

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]{0,255}$/;
const LABEL_NAME_RULE = 'label names match [a-zA-Z_][a-zA-Z0-9_]*, at most 256 characters';
const MAX_LABEL_VALUE = 1024;
const labelValue = storable(z.string().max(MAX_LABEL_VALUE));

const MAX_PAIRS = 64;

const labelsSchema = z
  .object({
    alertname: storable(z.string().trim().min(1).max(256)),
    service: storable(z.string().trim().min(1).max(MAX_SERVICE_LENGTH)),
    severity: z.enum(SEVERITIES),
  })
  .catchall(labelValue)
  .superRefine((labels, ctx) => {
    const names = Object.keys(labels);
    if (names.length > MAX_PAIRS) ctx.addIssue({ code: 'custom', message: `at most ${MAX_PAIRS} labels` });
    for (const name of names.filter((n) => !LABEL_NAME.test(n))) {
      ctx.addIssue({ code: 'custom', path: [name], message: LABEL_NAME_RULE });
    }
  })
  // What the checks above enforce, for the OpenAPI document (OpenAPI 3.0 has no propertyNames).
  .meta({ maxProperties: MAX_PAIRS, description: `${LABEL_NAME_RULE}; values at most ${MAX_LABEL_VALUE} characters` });

const annotationsSchema = z
  .record(storable(z.string().min(1).max(256)), storable(z.string().max(16_384)))
  .refine((annotations) => Object.keys(annotations).length <= MAX_PAIRS, `at most ${MAX_PAIRS} annotations`)
  .meta({ maxProperties: MAX_PAIRS });

/** Go's zero time: Alertmanager's way of saying "no end time" on a firing alert. */
const UNSET_TIME = Date.parse('0001-01-01T00:00:00Z');

// RFC 3339 allows a lower-case `t` and `z`. Stored as its UTC instant (utcTime says why). Go's zero
// time is no time: stored as none.
const timestamp = z
  .preprocess((value) => (typeof value === 'string' ? value.toUpperCase() : value), z.iso.datetime({ offset: true }))
  .transform((text, ctx) => {
    if (Date.parse(text) === UNSET_TIME) return undefined;
    const utc = utcTime(text);
    if (utc === undefined) ctx.addIssue({ code: 'custom', input: text, message: 'must fall in the years 0001 to 9999 in UTC' });
    return utc;
  });

/** One alert as senders post it to POST /api/v1/alerts (Alertmanager's alert shape, plus a dedup key). */
export const alertSchema = z.strictObject({
  labels: labelsSchema,
  annotations: annotationsSchema.default({}),
  status: z.enum(ALERT_STATUSES).default('firing'),
  startsAt: timestamp.optional(),
  endsAt: timestamp.optional(),
  // Only a web link: it is shown to responders as one.
  generatorURL: storable(z.url({ protocol: /^https?$/, error: 'must be an http or https URL' }).max(2048)).optional(),
  /** A dedup key chosen by the sender; without it the fingerprint is a hash of the identifying labels. */
  fingerprint: z.string().regex(/^[\x21-\x7e]{1,190}$/, '1-190 visible ASCII characters, no spaces').optional(),
}).superRefine(({ startsAt, endsAt, generatorURL, annotations }, ctx) => {
  // As Alertmanager: an alert cannot end before it starts.
  if (startsAt && endsAt && isBeforeUtc(endsAt, startsAt)) {
    ctx.addIssue({ code: 'custom', path: ['endsAt'], message: 'must not be before startsAt' });
  }
  // generatorURL is kept among the annotations: one of the two would be lost.
  if (generatorURL !== undefined && annotations.generatorURL !== undefined) {
    ctx.addIssue({ code: 'custom', path: ['annotations', 'generatorURL'], message: 'given as the generatorURL field too; send it once' });
  }
});

export type AlertBody = z.infer<typeof alertSchema>;

export function alertBatchSchema(maxBatch: number) {
  return z
    .array(alertSchema)
    .min(1, 'a batch holds at least one alert')
    .max(maxBatch, `a batch holds at most ${maxBatch} alerts`);
}

export const idempotencyKeySchema = z
  .string()
  .min(1)
  .max(255)
  .regex(/^[\x21-\x7e]+$/, 'printable ASCII without spaces')
  .optional();

/** The 202 answer: per alert, in the order sent. */
export const acceptedAlertsSchema = z.strictObject({
  alerts: z.array(
    z.strictObject({
      alertId: z.uuid().describe('the stored alert; for a replayed Idempotency-Key, the one stored first'),
      fingerprint: z.string(),
      outcome: z.enum(ALERT_OUTCOMES),
      deduplicated: z.boolean(),
      replayed: z.boolean().describe("a repeat of an Idempotency-Key: the first request's alert, outcome and incident, with the incident's status and count as they are now"),
      incidentId: z.uuid().nullable(),
      incidentStatus: z.enum(INCIDENT_STATUSES).nullable().describe("the incident's status now (in a replay too)"),
      occurrenceCount: z.int().nullable().describe("the incident's alert count now (in a replay too)"),
      workflowId: z.string().nullable(),
      temporalUiUrl: z.url().nullable(),
      traceId: z.string().nullable(),
    }) satisfies z.ZodType<AcceptedAlert>,
  ),
});
