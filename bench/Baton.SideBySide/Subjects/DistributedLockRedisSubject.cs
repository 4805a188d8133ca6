using Baton.SideBySide.ChildProcesses;
using Medallion.Threading.Redis;
using StackExchange.Redis;

namespace Baton.SideBySide.Subjects;

/// <summary>
/// The leading .NET peer on Redis: DistributedLock.Redis (<c>RedisDistributedLock</c>, default options, which poll
/// while waiting), one multiplexer per client. <c>distributedlock-redis:redis://HOST:PORT</c>; contending clients in
/// child processes, as for Baton's server backends.
/// </summary>
internal sealed class DistributedLockRedisSubject : InProcessSubject
{
    public const string Prefix = "distributedlock-redis:";

    private readonly string _spec;
    private readonly string _endpoint;

    public DistributedLockRedisSubject(string spec, bool crossProcess)
        : base(spec)
    {
        _spec = spec;
        var url = new Uri(spec[Prefix.Length..]);
        _endpoint = $"{url.Host}:{(url.Port > 0 ? url.Port : 6379)}";
        CrossProcess = crossProcess;
    }

    public bool CrossProcess { get; }

    public override string Kind => CrossProcess ? "in-process + child processes" : base.Kind;

    public override async ValueTask<ILockClient> OpenClientAsync(string lockName, CancellationToken cancellationToken)
    {
        var connection = await ConnectionMultiplexer.ConnectAsync(_endpoint);
        return new Client(connection, new RedisDistributedLock(lockName, connection.GetDatabase()));
    }

    protected override Task<ContendedResult> MeasureContendedAsync(MeasureSettings settings, CancellationToken cancellationToken) =>
        CrossProcess ? CrossProcessMeasures.ContendedAsync(_spec, settings, cancellationToken) : base.MeasureContendedAsync(settings, cancellationToken);

    protected override Task<HandoffResult> MeasureHandoffAsync(MeasureSettings settings, CancellationToken cancellationToken) =>
        CrossProcess ? CrossProcessMeasures.HandoffAsync(_spec, settings, cancellationToken) : base.MeasureHandoffAsync(settings, cancellationToken);

    protected override Task<WaitingResult> MeasureWaitingAsync(MeasureSettings settings, CancellationToken cancellationToken) =>
        CrossProcess ? CrossProcessMeasures.WaitingAsync(_spec, settings, cancellationToken) : base.MeasureWaitingAsync(settings, cancellationToken);

    private sealed class Client(ConnectionMultiplexer connection, RedisDistributedLock distributedLock) : ILockClient
    {
        private RedisDistributedLockHandle? _held;

        public async ValueTask AcquireAsync() => _held = await distributedLock.AcquireAsync();

        public ValueTask ReleaseAsync()
        {
            var held = _held ?? throw new InvalidOperationException("Release without a hold.");
            _held = null;
            return held.DisposeAsync();
        }

        public async ValueTask DisposeAsync()
        {
            if (_held is { } held)
            {
                await held.DisposeAsync();
            }

            await connection.DisposeAsync();
        }
    }
}
