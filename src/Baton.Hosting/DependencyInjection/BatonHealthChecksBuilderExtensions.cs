using Baton.Hosting;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds the health check of a Baton connection to <c>services.AddHealthChecks()</c>.</summary>
public static class BatonHealthChecksBuilderExtensions
{
    private static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Checks that the backend of a <see cref="BatonConnection"/> answers: healthy when it answers a cheap read (who
    /// leads a probe election, never written) within <paramref name="timeout"/>, connecting first if need be;
    /// otherwise <paramref name="failureStatus"/> with the reason, naming the backend without its password. The data
    /// holds <c>backend</c> and, when it answered, <c>latencyMs</c>.
    /// </summary>
    /// <param name="builder">The health checks.</param>
    /// <param name="serviceKey">The connection: null for <c>AddBaton</c>'s, or the key given to <c>AddKeyedBaton</c>.</param>
    /// <param name="name">The check's name; default <c>baton</c>, or <c>baton-KEY</c> for a keyed connection.</param>
    /// <param name="failureStatus">Reported when the backend does not answer; default <see cref="HealthStatus.Unhealthy"/>.</param>
    /// <param name="tags">Tags to filter checks by (such as <c>ready</c>).</param>
    /// <param name="timeout">How long the backend may take to answer; default 5 seconds.</param>
    /// <returns>The same builder.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The timeout is not positive.</exception>
    public static IHealthChecksBuilder AddBaton(
        this IHealthChecksBuilder builder,
        string? serviceKey = null,
        string? name = null,
        HealthStatus? failureStatus = null,
        IEnumerable<string>? tags = null,
        TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var deadline = timeout ?? DefaultTimeout;
        if (deadline <= TimeSpan.Zero && deadline != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(nameof(timeout), deadline, $"A health check's timeout must be positive (or Timeout.InfiniteTimeSpan); got {deadline}.");
        }

        return builder.Add(new HealthCheckRegistration(
            name ?? (string.IsNullOrEmpty(serviceKey) ? "baton" : $"baton-{serviceKey}"),
            sp => new BatonHealthCheck(
                string.IsNullOrEmpty(serviceKey) ? sp.GetRequiredService<BatonConnection>() : sp.GetRequiredKeyedService<BatonConnection>(serviceKey),
                deadline,
                sp.GetRequiredService<TimeProvider>()),
            failureStatus,
            tags));
    }
}
