import { CoreSchema1764000000000 } from './1764000000000-CoreSchema';
import { AuditLog1764000000001 } from './1764000000001-AuditLog';
import { GroupCommitIntake1764000000002 } from './1764000000002-GroupCommitIntake';
import { SetBasedIntake1764000000003 } from './1764000000003-SetBasedIntake';
import { IncidentTimesInMilliseconds1764000000004 } from './1764000000004-IncidentTimesInMilliseconds';
import { IdempotencyRequestHash1764000000005 } from './1764000000005-IdempotencyRequestHash';
import { IncidentAlertsByPage1764000000006 } from './1764000000006-IncidentAlertsByPage';
import { UniqueApiKeyNames1764000000007 } from './1764000000007-UniqueApiKeyNames';
import { UndeliveredCommandsByWorkflow1764000000008 } from './1764000000008-UndeliveredCommandsByWorkflow';
import { ApiKeyPrefixFromHash1764000000009 } from './1764000000009-ApiKeyPrefixFromHash';
import { PruneDeliveredCommands1764000000010 } from './1764000000010-PruneDeliveredCommands';
import { AuditDefinersOffPublic1764000000011 } from './1764000000011-AuditDefinersOffPublic';
import { IncidentsBySeverity1764000000012 } from './1764000000012-IncidentsBySeverity';
import { SeverityChangeAudited1764000000013 } from './1764000000013-SeverityChangeAudited';

/** Every migration in order; listed explicitly so the same array works from TypeScript (tests) and compiled JS. */
export const MIGRATIONS = [
  CoreSchema1764000000000,
  AuditLog1764000000001,
  GroupCommitIntake1764000000002,
  SetBasedIntake1764000000003,
  IncidentTimesInMilliseconds1764000000004,
  IdempotencyRequestHash1764000000005,
  IncidentAlertsByPage1764000000006,
  UniqueApiKeyNames1764000000007,
  UndeliveredCommandsByWorkflow1764000000008,
  ApiKeyPrefixFromHash1764000000009,
  PruneDeliveredCommands1764000000010,
  AuditDefinersOffPublic1764000000011,
  IncidentsBySeverity1764000000012,
  SeverityChangeAudited1764000000013,
];
