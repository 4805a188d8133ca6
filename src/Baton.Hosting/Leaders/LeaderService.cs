using Baton.Hosting.Diagnostics;
using Baton.Hosting.Internal;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Baton.Hosting;

/// <summary>
/// A hosted service whose work runs only while this instance leads an election. It campaigns when the host starts;
/// once elected it runs <see cref="ExecuteAsLeaderAsync"/>, whose token is cancelled when leadership is lost or the
/// host stops; it waits for the work to end, resigns, and campaigns again. Register it with
/// <c>services.AddBaton(…).AddLeaderService&lt;T&gt;("election")</c>, which names the election and the connection.
/// </summary>
/// <remarks>
/// <para>
/// After each round the service pauses before campaigning again (<see cref="LeaderServiceOptions.RetryDelay"/>,
/// doubling after consecutive failures up to <see cref="LeaderServiceOptions.MaxRetryDelay"/>), so that the other
/// candidates, already waiting, take over. A round ends when the work returns, throws, or leadership is lost.
/// </para>
/// <para>
/// An exception from the work is logged and the instance resigns; it does not stop the host, unlike
/// <see cref="BackgroundService"/>'s default. Handing leadership to another instance is the point of running several:
/// a failure local to this one moves the work elsewhere, and a failure every instance would hit (bad data) does not
/// take the whole fleet down one host after another. Call <see cref="IHostApplicationLifetime.StopApplication"/>
/// from the work where stopping is wanted.
/// </para>
/// <para>
/// Pass <see cref="Leadership.Term"/> to the resources the work changes: it grows with every new leader, so they can
/// refuse a deposed leader's late writes (losing leadership is noticed, not prevented, and work that ignores its
/// token goes on until it looks).
/// </para>
/// </remarks>
public abstract class LeaderService : BackgroundService
{
    private LeaderServiceBinding? _binding;
    private volatile Leadership? _leadership;

    /// <summary>For derived classes.</summary>
    protected LeaderService()
    {
    }

    /// <summary>The election's name, once registered through <c>AddLeaderService</c>.</summary>
    public string? Election => _binding?.Election;

    /// <summary>The leadership the work runs under now, or null when this instance does not lead.</summary>
    public Leadership? Leadership => _leadership;

    /// <summary>True while this instance leads and its work runs.</summary>
    public bool IsLeader => _leadership is { IsLost: false, IsResigned: false };

    /// <summary>Starts campaigning (in the background; the host's start does not wait to be elected).</summary>
    /// <param name="cancellationToken">The host's start token.</param>
    /// <exception cref="InvalidOperationException">The service was registered without <c>AddLeaderService</c>.</exception>
    public override Task StartAsync(CancellationToken cancellationToken)
    {
        if (_binding is null)
        {
            throw new InvalidOperationException(
                $"{GetType().Name} is a LeaderService, so it needs an election and a Baton connection: register it with "
                + $"services.AddBaton(…).AddLeaderService<{GetType().Name}>(\"election\") instead of AddHostedService.");
        }

        return base.StartAsync(cancellationToken);
    }

    /// <summary>
    /// The work to do while leading. Cancel it promptly when <paramref name="stoppingOrLost"/> fires: leadership was
    /// lost (see <see cref="Leadership.LossReason"/>) or the host is stopping. Returning, or throwing, ends this round
    /// of leadership: the instance resigns and campaigns again after <see cref="LeaderServiceOptions.RetryDelay"/>.
    /// </summary>
    /// <param name="leadership">This round's leadership: its <see cref="Leadership.Term"/> is the fencing token to hand to resources.</param>
    /// <param name="stoppingOrLost">Fires when leadership is lost or the host stops.</param>
    protected abstract Task ExecuteAsLeaderAsync(Leadership leadership, CancellationToken stoppingOrLost);

    /// <summary>The campaign loop: campaign, lead, resign, pause, until the host stops.</summary>
    /// <param name="stoppingToken">Fires when the host stops.</param>
    protected sealed override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var binding = _binding!;
        var options = binding.Options.Get(binding.OptionsName);
        var round = new LeaderRound(this, binding, binding.Election, binding.LoggerFactory.CreateLogger(GetType()));
        var backoff = new Backoff(options.RetryDelay, options.MaxRetryDelay);
        while (!stoppingToken.IsCancellationRequested)
        {
            var outcome = await round.RunAsync(stoppingToken).ConfigureAwait(false);
            if (stoppingToken.IsCancellationRequested)
            {
                round.LogEnd(outcome, delay: null);
                return;
            }

            var delay = outcome.Kind == RoundEnd.Returned ? backoff.AfterSuccess() : backoff.AfterFailure(outcome.Lasted);
            round.LogEnd(outcome, delay);
            if (!await Pause.ForAsync(delay, binding.TimeProvider, stoppingToken).ConfigureAwait(false))
            {
                return;
            }
        }
    }

    internal void Bind(LeaderServiceBinding binding)
    {
        if (_binding is not null && _binding != binding)
        {
            throw new InvalidOperationException($"{GetType().Name} is registered as a leader service twice; one instance campaigns in one election.");
        }

        _binding = binding;
    }

    internal Task RunWorkAsync(Leadership leadership, CancellationToken stoppingOrLost)
    {
        _leadership = leadership;
        return ExecuteAsLeaderAsync(leadership, stoppingOrLost);
    }

    internal void ClearLeadership() => _leadership = null;
}
