using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Baton.Hosting;

/// <summary>What <c>AddLeaderService</c> gives a <see cref="LeaderService"/>: its options, its connection, the clock and logging.</summary>
/// <param name="Election">The election to campaign in (checked when registered).</param>
/// <param name="OptionsName">The name of its <see cref="LeaderServiceOptions"/> (the service type's full name).</param>
/// <param name="Options">Where to read them.</param>
/// <param name="Connection">The connection to campaign on.</param>
/// <param name="TimeProvider">The host's clock, for the pauses between rounds.</param>
/// <param name="LoggerFactory">The host's logging; the service logs under its own type's name.</param>
internal sealed record LeaderServiceBinding(
    string Election, string OptionsName, IOptionsMonitor<LeaderServiceOptions> Options, BatonConnection Connection, TimeProvider TimeProvider, ILoggerFactory LoggerFactory);
