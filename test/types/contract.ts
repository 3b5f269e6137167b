// A type-level test, checked by `npm run typecheck` and never run: the client package's contract
// (packages/client/src/contract.ts, written by hand so the package needs no server sources) is the
// server's router, procedure by procedure: the same procedures of the same kinds, the same inputs
// and outputs, the same error shape. A change on either side that the other does not make fails
// the check here, naming the procedure.
import type { inferProcedureInput, inferProcedureOutput, inferRouterError } from "@trpc/server";
import type { RunEvent, RunsRouter, RunStartInput } from "../../packages/client/src/contract";
import type {
  HTTP_BATCH_MAX_ITEMS as PACKAGE_BATCH_MAX_ITEMS,
  TRPC_PATH as PACKAGE_TRPC_PATH,
} from "../../packages/client/src/api";
import type { RunEvent as ServerRunEvent } from "../../src/server/events/types";
import type { StartInput } from "../../src/server/runs/plans";
import type { AppRouter as ServerRouter } from "../../src/server/routers/_app";
import type { HTTP_BATCH_MAX_ITEMS, TRPC_PATH } from "../../src/shared/api";

/** True only when A and B are the same type (optional modifiers, readonly and `any` included). */
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
/** Both ways assignable: the same values type-check against either. */
type Equivalent<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const expectTrue = <T extends true>(..._proof: T[]) => undefined;

// The contract's RunEvent is a union told apart by `type`; the server keeps one flat shape with
// optional fields. Flattened, the union must be that shape: the same fields with the same types,
// optional exactly where the server's are.
type KeysOfUnion<U> = U extends unknown ? keyof U : never;
type OptionalKeys<T> = { [K in keyof T]-?: object extends Pick<T, K> ? K : never }[keyof T];
type ValuesAt<U, K extends PropertyKey> = U extends unknown
  ? K extends keyof U
    ? Exclude<U[K], undefined>
    : never
  : never;
type Simplify<T> = { [K in keyof T]: T[K] };
type Flatten<U> = Simplify<
  { [K in Exclude<KeysOfUnion<U>, OptionalKeys<U>>]: ValuesAt<U, K> } & {
    [K in OptionalKeys<U>]?: ValuesAt<U, K>;
  }
>;
type FlatRunEvent = Flatten<RunEvent>;
expectTrue<Equal<FlatRunEvent, Simplify<ServerRunEvent>>>();
// Every member of the union is a valid server event.
expectTrue<Equivalent<RunEvent extends ServerRunEvent ? true : false, true>>();

// The contract with the server's own event type in it, against the server's router.
type Contract = RunsRouter<ServerRunEvent>["run"];
type Server = ServerRouter["run"];
expectTrue<Equal<keyof Contract, keyof Server>>();

// Mutual assignability alone lets one side have an optional field the other lacks: the field names
// (of every member of a union) are compared too.
type SameFields<A, B> = Equal<KeysOfUnion<NonNullable<A>>, KeysOfUnion<NonNullable<B>>>;
type SameProcedure<K extends keyof Contract & keyof Server> = [
  Equal<Contract[K]["_def"]["type"], Server[K]["_def"]["type"]>,
  Equivalent<inferProcedureInput<Contract[K]>, inferProcedureInput<Server[K]>>,
  SameFields<inferProcedureInput<Contract[K]>, inferProcedureInput<Server[K]>>,
  Equivalent<inferProcedureOutput<Contract[K]>, inferProcedureOutput<Server[K]>>,
  SameFields<inferProcedureOutput<Contract[K]>, inferProcedureOutput<Server[K]>>,
];
type AllTrue<T extends boolean[]> = T extends true[] ? true : false;

expectTrue<AllTrue<SameProcedure<"plans">>>();
expectTrue<AllTrue<SameProcedure<"start">>>();
expectTrue<AllTrue<SameProcedure<"rerun">>>();
expectTrue<AllTrue<SameProcedure<"cancel">>>();
expectTrue<AllTrue<SameProcedure<"get">>>();
expectTrue<AllTrue<SameProcedure<"list">>>();
expectTrue<AllTrue<SameProcedure<"steps">>>();
expectTrue<AllTrue<SameProcedure<"eventsPage">>>();
expectTrue<AllTrue<SameProcedure<"events">>>();
expectTrue<AllTrue<SameProcedure<"activity">>>();
expectTrue<AllTrue<SameProcedure<"createViewToken">>>();
expectTrue<AllTrue<SameProcedure<"revokeViewToken">>>();

// run.start's typed input: one shape per plan compiled into the server.
expectTrue<Equivalent<RunStartInput, StartInput>>();

// The error shape a client sees on a failed call.
expectTrue<Equivalent<inferRouterError<RunsRouter>, inferRouterError<ServerRouter>>>();

// The package's own copies of the API's constants.
expectTrue<Equal<typeof PACKAGE_TRPC_PATH, typeof TRPC_PATH>>();
expectTrue<Equal<typeof PACKAGE_BATCH_MAX_ITEMS, typeof HTTP_BATCH_MAX_ITEMS>>();
