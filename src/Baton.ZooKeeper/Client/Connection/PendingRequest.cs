using Baton.ZooKeeper.Client.Jute;

namespace Baton.ZooKeeper.Client.Connection;

/// <summary>Turns a reply (its error code and body) into a result, or throws <see cref="ZooKeeperException"/>.</summary>
internal delegate T ReplyParser<T>(ZooKeeperErrorCode error, ref JuteReader reader);

/// <summary>A request waiting to be sent or answered. Its frame is serialised by the caller; the xid is set at send time.</summary>
internal abstract class PendingRequest
{
    /// <summary>Where the xid sits in <see cref="Frame"/> (after the length prefix).</summary>
    public const int XidOffset = 4;

    protected PendingRequest(byte[] frame, string? path)
    {
        Frame = frame;
        Path = path;
    }

    public byte[] Frame { get; }

    /// <summary>The caller's path, for error messages.</summary>
    public string? Path { get; }

    public int Xid { get; set; }

    /// <summary>When the request was written (monotonic timestamp), for the local session deadline.</summary>
    public long SentTimestamp { get; set; }

    /// <summary>The caller stopped waiting (cancelled) or the request already failed: no need to send it.</summary>
    public abstract bool IsAbandoned { get; }

    /// <summary>Completes the caller's task from the reply. Throws <see cref="ZooKeeperProtocolException"/> on a malformed body.</summary>
    public abstract void Complete(ZooKeeperErrorCode error, ref JuteReader reader);

    public abstract void Fail(Exception exception);
}

/// <inheritdoc />
internal sealed class PendingRequest<T> : PendingRequest
{
    private readonly TaskCompletionSource<T> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ReplyParser<T> _parser;

    public PendingRequest(byte[] frame, string? path, ReplyParser<T> parser)
        : base(frame, path) => _parser = parser;

    public Task<T> Task => _completion.Task;

    public override bool IsAbandoned => _completion.Task.IsCompleted;

    public override void Complete(ZooKeeperErrorCode error, ref JuteReader reader)
    {
        T result;
        try
        {
            result = _parser(error, ref reader);
        }
        catch (ZooKeeperException exception)
        {
            _completion.TrySetException(exception);
            return;
        }

        _completion.TrySetResult(result);
    }

    public override void Fail(Exception exception) => _completion.TrySetException(exception);

    public void Cancel(CancellationToken cancellationToken) => _completion.TrySetCanceled(cancellationToken);
}
