export enum DomainErrorCode {
  IncidentNotFound = 'INCIDENT_NOT_FOUND',
  TransitionNotAllowed = 'TRANSITION_NOT_ALLOWED',
  ApiKeyNotFound = 'API_KEY_NOT_FOUND',
  ApiKeyNameTaken = 'API_KEY_NAME_TAKEN',
  LastAdminKey = 'LAST_ADMIN_KEY',
  WorkflowUnavailable = 'WORKFLOW_UNAVAILABLE',
  IntakeOverloaded = 'INTAKE_OVERLOADED',
  IdempotencyKeyReused = 'IDEMPOTENCY_KEY_REUSED',
}

/** A business failure with a code that `apps/api/src/http/error-to-problem.ts` maps to an HTTP problem. */
export class DomainError extends Error {
  constructor(
    readonly code: DomainErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'DomainError';
  }
}
