import { pathToFileURL } from 'node:url';
import { bookstore } from './demo/index.js';
import { serve } from './index.js';

// The bookstore server `npm start` runs: the demo's SDL and resolvers inside Tollgate's whole
// server, configured from the environment. BOOKSTORE_SCHEMA_DIR swaps in another copy of the
// demo's SDL (the tests and the benchmark use it to change a limit).
const schemaDir = process.env.BOOKSTORE_SCHEMA_DIR;
await serve({
  typeDefs: schemaDir ? pathToFileURL(`${schemaDir}/`) : bookstore.typeDefs,
  resolvers: bookstore.createResolvers(),
});
