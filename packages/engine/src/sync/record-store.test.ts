import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { batchJson, stageRecord } from './record-store.js';

describe('stageRecord', () => {
  it('hashes the payload text it keeps', () => {
    const staged = stageRecord('42', { email: 'ada@example.com', tags: ['a', null] });
    expect(staged.json).toBe('{"email":"ada@example.com","tags":["a",null]}');
    expect(staged.hash).toBe(createHash('sha256').update(staged.json).digest('base64url'));
  });

  it('gives a changed payload another hash', () => {
    expect(stageRecord('1', { a: 1 }).hash).not.toBe(stageRecord('1', { a: 2 }).hash);
  });
});

describe('batchJson', () => {
  it('is the JSON of the batch, ids quoted and payloads as staged', () => {
    const batch = [
      stageRecord('1', { name: 'Zoë "Z" \u2028', n: 1.5 }),
      stageRecord('id with "quotes" and \\ backslash', null),
      stageRecord('003Dn00000ABCdeFGH', { nested: { list: [1, { x: 'y' }] } }),
    ];
    expect(JSON.parse(batchJson(batch))).toEqual(
      batch.map((record) => ({ i: record.id, p: JSON.parse(record.json), h: record.hash })),
    );
  });

  it('is an empty array for no records', () => {
    expect(batchJson([])).toBe('[]');
  });
});
