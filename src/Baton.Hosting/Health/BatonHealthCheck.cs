using System.Globalization;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Baton.Hosting;

/// <summary>
/// Healthy when the backend answers a cheap read within the timeout: connecting if need be, then reading who leads a
/// probe election (one name, never written). Otherwise the registration's failure status, with the reason; the
/// backend is named with its password hidden. Leadership is not health: an instance that does not lead is healthy.
/// </summary>
internal sealed class BatonHealthCheck(BatonConnection connection, TimeSpan timeout, TimeProvider timeProvider) : IHealthCheck
{
    /// <summary>The name read by the check: an election nobody campaigns in.</summary>
    internal const string ProbeName = "baton.health";

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        var backend = connection.BackendUrl;
        var data = new Dictionary<string, object> { ["backend"] = backend };
        using var deadline = new CancellationTokenSource(timeout, timeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        var started = timeProvider.GetTimestamp();
        try
        {
            var coordinator = await connection.GetCoordinatorAsync(linked.Token).ConfigureAwait(false);
            await coordinator.CreateElection(ProbeName).GetLeaderAsync(linked.Token).ConfigureAwait(false);
            var milliseconds = timeProvider.GetElapsedTime(started).TotalMilliseconds;
            data["latencyMs"] = milliseconds;
            return HealthCheckResult.Healthy(string.Create(CultureInfo.InvariantCulture, $"{backend} answered in {milliseconds:F1} ms."), data);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            return new HealthCheckResult(context.Registration.FailureStatus, $"{backend} did not answer within {timeout}.", data: data);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            // Baton's exceptions name the backend without its password, so the exception can go to health publishers.
            return new HealthCheckResult(context.Registration.FailureStatus, $"{backend} did not answer: {e.Message}", e, data);
        }
    }
}
