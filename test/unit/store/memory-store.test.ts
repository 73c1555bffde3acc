/**
 * The in-memory store against the same contract suite as the DynamoDB store
 * on dynalite (test/store/state-store.test.ts).
 */
import { describe } from 'vitest';
import { MemoryStore, MemoryTable } from '../../../lambda/store/memory-store.js';
import { peerStoreContract } from '../../support/peer-store-contract.js';

describe('the PeerStore contract, in memory', () => {
  const table = new MemoryTable();
  peerStoreContract((nowMs = Date.now()) => new MemoryStore(table, () => nowMs));
});
