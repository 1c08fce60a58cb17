/**
 * The request every phase sends: one Alertmanager-shaped alert of about 420 bytes. Only the
 * alertname varies, so the HTTP ceiling, duplicates and new incidents post the same shape.
 */
export function alertBody(alertname: string): string {
  return JSON.stringify({
    labels: {
      alertname,
      service: 'checkout-api',
      severity: 'critical',
      env: 'production',
      region: 'eu-west-1',
      team: 'payments',
      instance: 'checkout-api-7f9c6d5b4-x2k8p:9090',
    },
    annotations: {
      summary: 'Checkout API p99 latency above 2 s for 5 minutes',
      description: 'avg api_response_time > 2 s over 5 minutes; error_rate 6.1 %',
      runbook_url: 'https://runbooks.example.com/checkout/latency',
    },
    status: 'firing',
  });
}

/** A new alertname on every call: each request opens a new incident. */
export function uniqueAlertnames(prefix: string): () => string {
  let next = 0;
  return () => `${prefix}${String(next++).padStart(6, '0')}`;
}

/** Cycles through `count` alertnames: after the first round, every request repeats an open incident. */
export function cyclingAlertnames(prefix: string, count: number): () => string {
  let next = 0;
  return () => {
    const name = `${prefix}${String(next).padStart(6, '0')}`;
    next = (next + 1) % count;
    return name;
  };
}
