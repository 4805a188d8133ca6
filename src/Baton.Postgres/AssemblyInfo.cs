using Baton.Backends;
using Baton.Postgres;

[assembly: BackendProvider(typeof(PostgresBackendProvider))]
