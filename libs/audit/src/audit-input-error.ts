/** An event the audit log refuses to store, because it could not be hashed and read back exactly. */
export class AuditInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AuditInputError';
  }
}
