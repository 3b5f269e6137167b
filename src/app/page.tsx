export default function HomePage() {
  return (
    <main>
      <h1>Live runs</h1>
      <p>
        The API is served at <code>/api/trpc</code> (HTTP and WebSocket). Start a run with <code>run.start</code> and
        stream it with <code>run.events</code>.
      </p>
    </main>
  );
}
