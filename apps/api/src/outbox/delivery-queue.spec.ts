import { DeliveryQueue, type Deliverable } from './delivery-queue';

/** Deliveries that finish when the test says so. */
function controlledDeliveries() {
  const started: string[] = [];
  const finishers = new Map<string, (fail?: boolean) => void>();
  const deliver = (item: Deliverable) =>
    new Promise<void>((resolve, reject) => {
      started.push(item.id);
      finishers.set(item.id, (fail) => (fail ? reject(new Error(`delivery ${item.id} failed`)) : resolve()));
    });
  const finish = async (id: string, fail = false) => {
    finishers.get(id)!(fail);
    // Let the queue's settle handlers run.
    for (let i = 0; i < 5; i++) await Promise.resolve();
  };
  return { started, deliver, finish };
}

const item = (id: string, workflowId: string): Deliverable => ({ id, workflowId });

describe('the queue of workflow command deliveries', () => {
  it('delivers one incident\'s commands one at a time, in the order offered, and other incidents\' alongside', async () => {
    const { started, deliver, finish } = controlledDeliveries();
    const queue = new DeliveryQueue({ concurrency: 4, maxQueued: 100 }, deliver);
    queue.offer([item('1', 'incident-a'), item('2', 'incident-a'), item('3', 'incident-b'), item('4', 'incident-a')]);
    expect(started).toEqual(['1', '3']);
    await finish('1');
    expect(started).toEqual(['1', '3', '2']);
    await finish('3');
    await finish('2');
    expect(started).toEqual(['1', '3', '2', '4']);
  });

  it('has at most `concurrency` deliveries under way', async () => {
    const { started, deliver, finish } = controlledDeliveries();
    const queue = new DeliveryQueue({ concurrency: 2, maxQueued: 100 }, deliver);
    queue.offer(['1', '2', '3'].map((id) => item(id, `incident-${id}`)));
    expect(started).toEqual(['1', '2']);
    expect(queue.queued).toBe(1);
    await finish('2');
    expect(started).toEqual(['1', '2', '3']);
  });

  it('takes no more than `maxQueued` waiting, and no item twice while it is queued or under way', async () => {
    const { started, deliver, finish } = controlledDeliveries();
    const queue = new DeliveryQueue({ concurrency: 1, maxQueued: 2 }, deliver);
    queue.offer(['1', '2', '3', '4'].map((id) => item(id, `incident-${id}`)));
    expect({ started, queued: queue.queued, room: queue.room }).toEqual({ started: ['1'], queued: 2, room: 0 });
    queue.offer([item('1', 'incident-1'), item('2', 'incident-2')]);
    await finish('1');
    await finish('2');
    await finish('3');
    expect(started).toEqual(['1', '2', '3']);
  });

  it('gives back what waits when cleared, and goes on after a delivery that failed', async () => {
    const { started, deliver, finish } = controlledDeliveries();
    const queue = new DeliveryQueue({ concurrency: 1, maxQueued: 10 }, deliver);
    queue.offer([item('1', 'incident-a'), item('2', 'incident-a')]);
    expect(queue.clear().map((i) => i.id)).toEqual(['2']);
    await finish('1', true);
    queue.offer([item('2', 'incident-a')]);
    expect(started).toEqual(['1', '2']);
    const settled = queue.settled();
    await finish('2');
    await expect(settled).resolves.toBeUndefined();
  });
});
