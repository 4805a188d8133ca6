namespace Baton.ZooKeeper.Client;

/// <summary>A request failed with a ZooKeeper error code.</summary>
public class ZooKeeperException : Exception
{
    /// <summary>Creates an exception whose message names <paramref name="code"/> and <paramref name="path"/>.</summary>
    public ZooKeeperException(ZooKeeperErrorCode code, string? path, string? detail = null, Exception? innerException = null)
        : base(Describe(code, path, detail), innerException)
    {
        Code = code;
        Path = path;
    }

    /// <summary>Creates an exception with <see cref="ZooKeeperErrorCode.SystemError"/>.</summary>
    public ZooKeeperException()
        : this(ZooKeeperErrorCode.SystemError, null)
    {
    }

    /// <summary>Creates an exception with <see cref="ZooKeeperErrorCode.SystemError"/> and a message.</summary>
    public ZooKeeperException(string message)
        : base(message)
    {
        Code = ZooKeeperErrorCode.SystemError;
    }

    /// <summary>Creates an exception with <see cref="ZooKeeperErrorCode.SystemError"/>, a message and a cause.</summary>
    public ZooKeeperException(string message, Exception innerException)
        : base(message, innerException)
    {
        Code = ZooKeeperErrorCode.SystemError;
    }

    /// <summary>The error code.</summary>
    public ZooKeeperErrorCode Code { get; }

    /// <summary>The path of the request (relative to the chroot), when there is one.</summary>
    public string? Path { get; }

    private static string Describe(ZooKeeperErrorCode code, string? path, string? detail)
    {
        var text = path is null ? $"ZooKeeper error {code} ({(int)code})" : $"ZooKeeper error {code} ({(int)code}) for '{path}'";
        return detail is null ? text + "." : $"{text}: {detail}";
    }
}

/// <summary>A multi failed as a whole; <see cref="ZooKeeperException.Code"/> is the first failing op's error.</summary>
public sealed class ZooKeeperMultiException : ZooKeeperException
{
    /// <summary>Creates the exception for a failed multi.</summary>
    public ZooKeeperMultiException(ZooKeeperErrorCode code, string? path, IReadOnlyList<OpResult> results)
        : base(code, path, "the multi was not applied")
    {
        Results = results;
    }

    /// <summary>Creates an exception with no results.</summary>
    public ZooKeeperMultiException()
        : this(ZooKeeperErrorCode.SystemError, null, [])
    {
    }

    /// <summary>Creates an exception with no results and a message.</summary>
    public ZooKeeperMultiException(string message)
        : base(message)
    {
        Results = [];
    }

    /// <summary>Creates an exception with no results, a message and a cause.</summary>
    public ZooKeeperMultiException(string message, Exception innerException)
        : base(message, innerException)
    {
        Results = [];
    }

    /// <summary>Each op's result, in order (see <see cref="OpResult.Error"/>).</summary>
    public IReadOnlyList<OpResult> Results { get; }
}
