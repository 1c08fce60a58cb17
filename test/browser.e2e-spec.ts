import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { testEnv } from './support/test-env';
import { alert, eventually, TestTemporal, Vigil } from './support/vigil-harness';

/** How long a page may take to show what is asked of it (the Temporal UI's list reads visibility, which lags a little). */
const PAGE_TIMEOUT_MS = 30_000;

/**
 * What a responder sees in a browser: the OpenAPI docs behind the browser's own sign-in prompt,
 * with "Try it out" calling the API under the same credentials; and the Temporal Web UI, where
 * an incident's `temporalUiUrl` opens its workflow and Vigil's search attributes filter the list.
 */
describe('in a browser', () => {
  let temporal: TestTemporal;
  let vigil: Vigil;
  let browser: Browser;
  let context: BrowserContext | undefined;

  beforeAll(async () => {
    temporal = await TestTemporal.start();
    vigil = await Vigil.start({ temporalAddress: temporal.address, env: { TEMPORAL_UI_URL: temporal.uiUrl } });
    browser = await chromium.launch({
      executablePath: testEnv('CHROMIUM_PATH'),
      // As root in a container there is no sandbox; and this machine has no internet to phone home to.
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
    });
  });
  afterAll(async () => {
    await browser?.close();
    await vigil?.stop();
    await temporal?.stop();
  });
  afterEach(async () => {
    await context?.close();
    context = undefined;
  });

  async function newPage(options: { apiKey?: string } = {}): Promise<Page> {
    context = await browser.newContext(options.apiKey ? { httpCredentials: { username: 'responder', password: options.apiKey } } : {});
    const page = await context.newPage();
    page.setDefaultTimeout(PAGE_TIMEOUT_MS);
    return page;
  }

  it('asks for a key before the OpenAPI docs, then lists the operations, and "Try it out" calls the API with that key', async () => {
    const { body: incident } = await vigil.json('/api/v1/alerts', { body: alert() });
    const incidentId = incident.alerts[0].incidentId as string;
    const responderKey = (await vigil.json('/api/v1/api-keys', { body: { name: 'browser', role: 'responder' } })).body.key as string;

    // No credentials: the browser is asked for them. Headless, it has no prompt to show, so the navigation fails.
    const anonymous = await newPage();
    const challenge = anonymous.waitForResponse(`${vigil.url}/docs`);
    await expect(anonymous.goto(`${vigil.url}/docs`)).rejects.toThrow(/ERR_INVALID_AUTH_CREDENTIALS/);
    expect((await challenge).status()).toBe(401);
    expect((await challenge).headers()['www-authenticate']).toMatch(/^Basic realm="Vigil"/);
    await context?.close();

    const page = await newPage({ apiKey: responderKey });
    const docs = await page.goto(`${vigil.url}/docs`);
    expect(docs?.status()).toBe(200);
    for (const path of ['/api/v1/alerts', '/api/v1/incidents/{id}/acknowledge', '/api/v1/audit/verify']) {
      await page.locator(`.opblock-summary-path[data-path="${path}"]`).first().waitFor();
    }

    const list = page.locator('.opblock-get', { has: page.locator('.opblock-summary-path[data-path="/api/v1/incidents"]') });
    await list.locator('.opblock-summary').click();
    await list.locator('button.try-out__btn').click();
    await list.locator('button.execute').click();
    const response = list.locator('.live-responses-table');
    await response.locator('.response-col_status', { hasText: '200' }).waitFor();
    expect(await response.locator('td.response-col_description:not(.col_header)').innerText()).toContain(incidentId);
  });

  it("opens an incident's workflow, with its summary, from its temporalUiUrl, and filters the workflow list by Vigil's search attributes", async () => {
    const service = `payments-${Date.now()}`;
    const { body } = await vigil.json('/api/v1/alerts', { body: alert({ labels: { service, severity: 'high' } }) });
    const { incidentId, workflowId, temporalUiUrl } = body.alerts[0] as { incidentId: string; workflowId: string; temporalUiUrl: string };
    expect(temporalUiUrl).toBe(`${temporal.uiUrl}/namespaces/default/workflows/${workflowId}`);
    await eventually(async () => ((await vigil.json(`/api/v1/incidents/${incidentId}`)).body.workflow.available ? true : undefined), 'the workflow running');

    const page = await newPage();
    await page.goto(temporalUiUrl);
    await page.getByRole('heading', { name: workflowId }).waitFor();
    await page.getByText(/^running$/i).first().waitFor();
    await page.getByText('incidentWorkflow').first().waitFor();
    // Its readable summary, and the live status the workflow shows as its current details.
    await page.getByText('User Metadata').click();
    // The UI renders them as Markdown in frames of their own.
    const shown = async (text: string) => {
      const frames = await Promise.all(page.frames().map((frame) => frame.locator('body').innerText().catch(() => '')));
      return frames.some((frameText) => frameText.includes(text)) ? true : undefined;
    };
    await eventually(() => shown(`${service}: HighErrorRate: error rate 7%`), 'the summary');
    await eventually(() => shown('triggered by vigil · severity high'), 'the status and severity in the current details');

    // What the workflow list shows for a query a responder types: this workflow, or nothing.
    // The list reads Temporal's visibility store, which follows a workflow's changes within moments.
    const lists = async (query: string): Promise<boolean> => {
      await page.goto(`${temporal.uiUrl}/namespaces/default/workflows?query=${encodeURIComponent(query)}`);
      const row = page.getByRole('link', { name: workflowId });
      await row.or(page.getByText('No Workflows Found')).first().waitFor();
      return (await row.count()) > 0;
    };
    const listedEventually = (query: string) => eventually(async () => ((await lists(query)) ? true : undefined), `the workflow listed for ${query}`);
    await listedEventually(`VigilService="${service}" AND VigilSeverity="high" AND VigilStatus="triggered"`);
    expect(await lists(`VigilService="${service}" AND VigilSeverity="critical"`)).toBe(false);

    // Acknowledged in Vigil: the workflow keeps VigilStatus current.
    expect((await vigil.json(`/api/v1/incidents/${incidentId}/acknowledge`, { body: {} })).status).toBe(200);
    await listedEventually(`VigilService="${service}" AND VigilStatus="acknowledged"`);
    expect(await lists(`VigilService="${service}" AND VigilStatus="triggered"`)).toBe(false);
  });
});
