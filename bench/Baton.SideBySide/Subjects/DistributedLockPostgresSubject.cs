using Baton.SideBySide.ChildProcesses;
using Medallion.Threading;
using Medallion.Threading.Postgres;

namespace Baton.SideBySide.Subjects;

/// <summary>
/// DistributedLock.Postgres (madelson): <c>PostgresDistributedLock</c> with its default options, one per client.
/// <c>distributedlock-postgres:postgres://…</c>; contending clients in child processes, as for Baton's server
/// backends, unless <c>--baton-placement in-process</c> puts both in this process.
/// </summary>
internal sealed class DistributedLockPostgresSubject : InProcessSubject
{
    public const string Prefix = "distributedlock-postgres:";

    private readonly string _spec;
    private readonly string _connectionString;

    public DistributedLockPostgresSubject(string spec, bool crossProcess)
        : base("distributedlock-postgres")
    {
        _spec = spec;
        _connectionString = PostgresUrls.ConnectionString(spec[Prefix.Length..]);
        CrossProcess = crossProcess;
    }

    public bool CrossProcess { get; }

    public override string Kind => CrossProcess ? "in-process + child processes" : base.Kind;

    public override ValueTask<ILockClient> OpenClientAsync(string lockName, CancellationToken cancellationToken) =>
        new(new Client(new PostgresDistributedLock(new PostgresAdvisoryLockKey(lockName, allowHashing: true), _connectionString)));

    protected override Task<ContendedResult> MeasureContendedAsync(MeasureSettings settings, CancellationToken cancellationToken) =>
        CrossProcess ? CrossProcessMeasures.ContendedAsync(_spec, settings, cancellationToken) : base.MeasureContendedAsync(settings, cancellationToken);

    protected override Task<HandoffResult> MeasureHandoffAsync(MeasureSettings settings, CancellationToken cancellationToken) =>
        CrossProcess ? CrossProcessMeasures.HandoffAsync(_spec, settings, cancellationToken) : base.MeasureHandoffAsync(settings, cancellationToken);

    protected override Task<WaitingResult> MeasureWaitingAsync(MeasureSettings settings, CancellationToken cancellationToken) =>
        CrossProcess ? CrossProcessMeasures.WaitingAsync(_spec, settings, cancellationToken) : base.MeasureWaitingAsync(settings, cancellationToken);

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
