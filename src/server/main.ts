// The server process (`npm run dev`, `npm start`): settings from the environment, until SIGTERM.
import { serveFromEnv } from "./serve";

await serveFromEnv();
