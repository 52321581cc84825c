/** The store contract (test/helpers/store-contract.ts) on SQLite; PostgreSQL runs it in test/integration/store-contract-pg.test.ts. */
import { openStore } from '../../src/store/index.js';
import { storeContract } from '../helpers/store-contract.js';

storeContract('SQLite', async () => {
  const store = openStore(':memory:');
  let closed = false;
  return {
    store,
    close: async () => {
      if (closed) return;
      closed = true;
      await store.close();
    },
  };
});
