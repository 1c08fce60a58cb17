import { z } from 'zod';
import { SEVERITIES } from '../../../../libs/domain';

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
// PostgreSQL text and jsonb cannot hold NUL, and an unpaired UTF-16 surrogate is not Unicode text.
// eslint-disable-next-line no-control-regex -- matching NUL is the point
const STORABLE = /^(?:[^\u0000\uD800-\uDFFF]|[\uD800-\uDBFF][\uDC00-\uDFFF])*$/;
const storable = (schema: z.ZodString) => schema.regex(STORABLE, 'must not contain NUL characters or unpaired surrogates');
const labelValue = storable(z.string().max(1024));

const labelsSchema = z
  .object({
    alertname: storable(z.string().trim().min(1).max(256)),
    service: storable(z.string().trim().min(1).max(256)),
    severity: z.enum(SEVERITIES),
  })
  .catchall(labelValue)
  .superRefine((labels, ctx) => {
    const names = Object.keys(labels);
    if (names.length > 64) ctx.addIssue({ code: 'custom', message: 'at most 64 labels' });
    for (const name of names.filter((n) => !LABEL_NAME.test(n))) {
      ctx.addIssue({ code: 'custom', path: [name], message: 'label names match [a-zA-Z_][a-zA-Z0-9_]*' });
    }
  });

const annotationsSchema = z
  .record(storable(z.string().min(1).max(256)), storable(z.string().max(16_384)))
  .refine((annotations) => Object.keys(annotations).length <= 64, 'at most 64 annotations');

/** One alert as senders post it to POST /api/v1/alerts (Alertmanager's alert shape, plus a dedup key). */
export const alertSchema = z.strictObject({
  labels: labelsSchema,
  annotations: annotationsSchema.default({}),
  status: z.enum(['firing', 'resolved']).default('firing'),
  startsAt: z.iso.datetime({ offset: true }).optional(),
  endsAt: z.iso.datetime({ offset: true }).optional(),
  generatorURL: z.url().max(2048).optional(),
  /** A dedup key chosen by the sender; without it the fingerprint is a hash of the identifying labels. */
  fingerprint: z.string().regex(/^[\x21-\x7e]{1,190}$/, '1-190 visible ASCII characters, no spaces').optional(),
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
