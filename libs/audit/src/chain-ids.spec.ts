import { AuditInputError } from './audit-input-error';
import { alertChainId, incidentChainId } from './chain-ids';

describe('chain ids', () => {
  it('names an incident chain by its lower-case uuid', () => {
    expect(incidentChainId('6F9619FF-8B86-4011-B42D-00C04FC964FF')).toBe('incident:6f9619ff-8b86-4011-b42d-00c04fc964ff');
  });

  it.each(['', 'not-a-uuid', '6f9619ff8b864011b42d00c04fc964ff'])('rejects incident id %p', (id) => {
    expect(() => incidentChainId(id)).toThrow(AuditInputError);
  });

  it('names an alert fingerprint chain and rejects unprintable fingerprints', () => {
    expect(alertChainId('a1b2c3')).toBe('alerts:a1b2c3');
    expect(() => alertChainId('a b')).toThrow(AuditInputError);
  });
});
