using Microsoft.Extensions.Logging;

namespace Baton.Backends;

/// <summary>What a backend gets from the core when it is created.</summary>
/// <param name="Url">The parsed backend URL.</param>
/// <param name="Member">The identity of this coordinator's holders and waiters.</param>
/// <param name="TimeProvider">The clock to use for all time.</param>
/// <param name="LoggerFactory">Where to log.</param>
public sealed record BackendContext(BackendUrl Url, MemberIdentity Member, TimeProvider TimeProvider, ILoggerFactory LoggerFactory);
