using Baton.Hosting.Diagnostics;
using Microsoft.Extensions.Logging;

namespace Baton.Hosting;

/// <summary>How a round of a leader service ended.</summary>
internal enum RoundEnd
{
    /// <summary>Never elected: the campaign failed (<see cref="RoundOutcome.Error"/>) or the host stopped first.</summary>
    NotElected,

    /// <summary>The work returned (or honoured its token when the host stopped) while still leading.</summary>
    Returned,

    /// <summary>The work threw while still leading.</summary>
    Failed,

    /// <summary>Leadership was lost (the work may have thrown too).</summary>
    Lost,
}

/// <summary>A round's end, its term and how long it led.</summary>
internal readonly record struct RoundOutcome(RoundEnd Kind, long Term, TimeSpan Lasted, LossReason? Reason, Exception? Error);

/// <summary>
/// One round of a <see cref="LeaderService"/>: connect, campaign, run the work while leading, resign. It never throws;
/// the service's loop decides from the outcome how long to pause before the next round.
/// </summary>
internal sealed class LeaderRound(LeaderService service, LeaderServiceBinding binding, string election, ILogger logger)
{
    public async Task<RoundOutcome> RunAsync(CancellationToken stopping)
    {
        Leadership leadership;
        try
        {
            var coordinator = await binding.Connection.GetCoordinatorAsync(stopping).ConfigureAwait(false);
            Log.Campaigning(logger, election, coordinator.BackendUrl);
            leadership = await coordinator.CreateElection(election).CampaignAsync(cancellationToken: stopping).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            return new(RoundEnd.NotElected, 0, TimeSpan.Zero, null, null);
        }
        catch (Exception e)
        {
            return new(RoundEnd.NotElected, 0, TimeSpan.Zero, null, e);
        }

        var elected = binding.TimeProvider.GetTimestamp();
        Log.Elected(logger, election, leadership.Term);
        Exception? error = null;
        using (var stoppingOrLost = CancellationTokenSource.CreateLinkedTokenSource(stopping, leadership.LostToken))
        {
            try
            {
                await service.RunWorkAsync(leadership, stoppingOrLost.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingOrLost.IsCancellationRequested)
            {
                // The work honoured its token.
            }
            catch (Exception e)
            {
                error = e;
            }
        }

        // Read before resigning, which ends the handle either way.
        var lost = leadership.LossReason;
        service.ClearLeadership();
        await leadership.ResignAsync().ConfigureAwait(false);
        var lasted = binding.TimeProvider.GetElapsedTime(elected);
        var kind = lost is not null ? RoundEnd.Lost : error is not null ? RoundEnd.Failed : RoundEnd.Returned;
        return new(kind, leadership.Term, lasted, lost, error);
    }

    /// <summary>Logs how the round ended and, unless the host is stopping (<paramref name="delay"/> null), when the next starts.</summary>
    public void LogEnd(RoundOutcome outcome, TimeSpan? delay)
    {
        switch (outcome.Kind)
        {
            case RoundEnd.NotElected when outcome.Error is { } error && delay is { } campaignDelay:
                Log.CampaignFailed(logger, election, campaignDelay, error);
                return;
            case RoundEnd.NotElected:
                return;
            case RoundEnd.Returned when delay is null:
                Log.Resigned(logger, election, outcome.Term);
                return;
            case RoundEnd.Returned:
                Log.LeaderWorkReturned(logger, election, outcome.Term);
                break;
            case RoundEnd.Failed:
                Log.LeaderWorkFailed(logger, election, outcome.Term, outcome.Error!);
                break;
            case RoundEnd.Lost:
                Log.LeadershipLost(logger, election, outcome.Term, outcome.Reason!.Value, outcome.Error);
                break;
        }

        if (delay is { } next)
        {
            Log.CampaigningAgain(logger, election, next);
        }
    }
}
