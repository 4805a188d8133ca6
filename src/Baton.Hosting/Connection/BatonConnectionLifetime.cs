using Baton.Hosting.Internal;
using Microsoft.Extensions.Hosting;

namespace Baton.Hosting;

/// <summary>
/// Ties a <see cref="BatonConnection"/> to the host's lifetime: connects before any hosted service starts (when
/// <see cref="BatonOptions.ConnectAtStart"/>), so that an unreachable backend fails the start with one clear error
/// and the services registered before <c>AddBaton</c> find it connected too; disposes it after every hosted service
/// has stopped, so that leader services resign and members leave first.
/// </summary>
internal sealed class BatonConnectionLifetime(BatonConnection connection, BatonRegistration registration) : IHostedLifecycleService
{
    public async Task StartingAsync(CancellationToken cancellationToken)
    {
        if (!connection.Options.ConnectAtStart)
        {
            return;
        }

        try
        {
            await connection.GetCoordinatorAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (BackendUnavailableException e)
        {
            throw new BackendUnavailableException(
                $"Baton could not connect to its backend while the host started: {e.Message} "
                + $"Set {registration.KeyOf(nameof(BatonOptions.ConnectAtStart))} to false to start without it (it is then connected on first use).",
                e);
        }
        catch (ArgumentException e)
        {
            // Options only the backend can judge (an unknown ?option, a bad ttl): a configuration error, not an outage.
            throw new InvalidOperationException(
                $"{registration.KeyOf(nameof(BatonOptions.BackendUrl))}: {Messages.Of(e)}", e);
        }
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StoppedAsync(CancellationToken cancellationToken) => await connection.DisposeAsync().ConfigureAwait(false);
}
