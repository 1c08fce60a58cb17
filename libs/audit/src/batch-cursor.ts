import type { QueryRunner } from 'typeorm';

/**
 * A server-side cursor read in batches, inside the runner's open transaction: a scan of any
 * size holds one batch in memory. `peek` lets two ordered cursors be merged.
 */
export class BatchCursor<Row> {
  private buffer: Row[] = [];
  private index = 0;
  private exhausted = false;

  private constructor(
    private readonly runner: QueryRunner,
    private readonly name: string,
    private readonly batchSize: number,
  ) {}

  static async open<Row>(runner: QueryRunner, name: string, sql: string, batchSize: number): Promise<BatchCursor<Row>> {
    await runner.query(`DECLARE ${name} NO SCROLL CURSOR FOR ${sql}`);
    return new BatchCursor<Row>(runner, name, batchSize);
  }

  /** The next batch, or an empty array at the end. */
  async nextBatch(): Promise<Row[]> {
    if (this.index < this.buffer.length) {
      const rest = this.buffer.slice(this.index);
      this.index = this.buffer.length;
      return rest;
    }
    if (this.exhausted) return [];
    const rows = (await this.runner.query(`FETCH FORWARD ${this.batchSize} FROM ${this.name}`)) as Row[];
    if (rows.length < this.batchSize) this.exhausted = true;
    return rows;
  }

  async peek(): Promise<Row | undefined> {
    if (this.index >= this.buffer.length) {
      this.buffer = await this.nextBatch();
      this.index = 0;
    }
    return this.buffer[this.index];
  }

  async next(): Promise<Row | undefined> {
    const row = await this.peek();
    if (row !== undefined) this.index += 1;
    return row;
  }
}
