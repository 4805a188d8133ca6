namespace Baton.Backends;

/// <summary>
/// Creates backends for some URL schemes. A backend package marks its provider with
/// <see cref="BackendProviderAttribute"/> so that URLs of its schemes work once the package is referenced.
/// </summary>
public interface IBackendProvider
{
    /// <summary>The URL schemes served, in lower case (for example <c>redis</c> and <c>rediss</c>).</summary>
    IReadOnlyList<string> Schemes { get; }

    /// <summary>
    /// Checks the URL and its options and connects. Bad URLs and options throw <see cref="ArgumentException"/>
    /// naming the bad value; anything else thrown is reported as the backend being unreachable.
    /// </summary>
    /// <param name="context">The URL, member identity, clock and logger.</param>
    /// <param name="cancellationToken">Fires at the connect timeout or when the caller cancels.</param>
    ValueTask<CoordinationBackend> ConnectAsync(BackendContext context, CancellationToken cancellationToken);
}
