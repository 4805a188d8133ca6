using Medallion.Threading;
using Medallion.Threading.Postgres;

namespace Baton.SideBySide.Subjects;

/// <summary>DistributedLock.Postgres (madelson): <c>PostgresDistributedLock</c> with its default options, one per client.</summary>
internal sealed class DistributedLockPostgresSubject(string url) : InProcessSubject("distributedlock-postgres")
{
    private readonly string _connectionString = PostgresUrls.ConnectionString(url);

    public override ValueTask<ILockClient> OpenClientAsync(string lockName, CancellationToken cancellationToken) =>
        new(new Client(new PostgresDistributedLock(new PostgresAdvisoryLockKey(lockName, allowHashing: true), _connectionString)));

    private sealed class Client(PostgresDistributedLock distributedLock) : ILockClient
    {
        private IDistributedSynchronizationHandle? _held;

        public async ValueTask AcquireAsync() => _held = await distributedLock.AcquireAsync();

        public async ValueTask ReleaseAsync()
        {
            var held = _held ?? throw new InvalidOperationException("Release without a hold.");
            _held = null;
            await held.DisposeAsync();
        }

        public async ValueTask DisposeAsync()
        {
            if (_held is { } held)
            {
                await held.DisposeAsync();
            }
        }
    }
}
