// PostGraphile v5 over the bench database's `public` schema, for `python -m bench
// postgraphile`: the Amber preset as shipped (no plugins, no schema tweaks), served by
// grafserv on Node's http module. Run as
//   DATABASE_URL=postgres://... PORT=5678 node server.mjs
// It prints "listening on http://HOST:PORT/graphql" once it answers.
import { createServer } from "node:http";
import { postgraphile } from "postgraphile";
import { makePgService } from "postgraphile/adaptors/pg";
import { grafserv } from "postgraphile/grafserv/node";
import { PostGraphileAmberPreset } from "postgraphile/presets/amber";

const connectionString = process.env.DATABASE_URL;
if (!connectionString) {
  console.error("server.mjs: set DATABASE_URL");
  process.exit(2);
}
const host = process.env.HOST ?? "127.0.0.1";
const port = Number(process.env.PORT ?? 5678);
// As many connections as the gateway may hold (its pool of 10 and as many overflow),
// so neither server gets more than the other.
const poolSize = Number(process.env.POOL_SIZE ?? 20);

/** @type {GraphileConfig.Preset} */
const preset = {
  extends: [PostGraphileAmberPreset],
  pgServices: [
    makePgService({ connectionString, schemas: ["public"], poolConfig: { max: poolSize } }),
  ],
  grafserv: { host, port, graphiql: false, watch: false },
  // No plan explanations in the answers: a production server's settings.
  grafast: { explain: false },
};

const pgl = postgraphile(preset);
const serv = pgl.createServ(grafserv);
const server = createServer();
server.on("error", (error) => {
  console.error(error);
  process.exit(1);
});
await serv.addTo(server);
server.listen(port, host, () => {
  console.log(`listening on http://${host}:${port}/graphql`);
});

for (const signal of ["SIGTERM", "SIGINT"]) {
  process.on(signal, async () => {
    server.close();
    await pgl.release();
    process.exit(0);
  });
}
