namespace Baton.Hosting;

/// <summary>
/// Settings of one <see cref="LeaderService"/>: named options, named after the service's type (its full name), set by
/// <c>AddLeaderService&lt;T&gt;(election, configure)</c> (or <c>services.Configure&lt;LeaderServiceOptions&gt;(typeof(T).FullName, …)</c>)
/// and validated when the host starts.
/// </summary>
public sealed class LeaderServiceOptions
{
    /// <summary>
    /// The pause before campaigning again after the work returned, failed or lost leadership, or a campaign failed.
    /// It doubles after each further failure, up to <see cref="MaxRetryDelay"/>. Default: 1 second.
    /// </summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The longest pause between campaigns after repeated failures. Default: 1 minute.</summary>
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromMinutes(1);
}
