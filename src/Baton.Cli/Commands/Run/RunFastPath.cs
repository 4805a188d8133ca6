using Baton.Cli.Shared;
using Baton.Cli.Supervision;

namespace Baton.Cli.Commands.Run;

/// <summary>
/// The common shapes of <c>baton run</c> read without building the System.CommandLine tree of every verb, which
/// costs about a millisecond of a start that scripts pay at every call (bench/README.md). Only a line that is
/// unambiguous and valid in the one grammar takes this path: <c>run NAME</c> and, once each, <c>--backend</c>/<c>-b</c>
/// URL, <c>--shared</c>/<c>-s</c>, <c>--timeout</c> DUR, <c>--kill-after</c> DUR and <c>--verbose</c>/<c>-v</c>, in any
/// order, then <c>--</c>.
/// Anything else (help, a bad duration, an unknown or repeated option, <c>--opt=value</c>, a flag followed by
/// true/false) goes to System.CommandLine, which gives the same result or the same error as ever.
/// </summary>
internal static class RunFastPath
{
    /// <summary>The session of an unambiguous, valid <c>run</c> line; null to let System.CommandLine read it.</summary>
    /// <param name="own">The arguments before <c>--</c>.</param>
    /// <param name="child">The command after <c>--</c>.</param>
    public static RunSession? TryRead(string[] own, ChildCommandLine child)
    {
        if (own.Length < 2 || own[0] != "run" || !child.SeparatorSeen || child.Arguments.Count == 0)
        {
            return null;
        }

        string? name = null, backend = null;
        bool shared = false, verbose = false, backendSeen = false, timeoutSeen = false, killAfterSeen = false;
        var timeout = Timeout.InfiniteTimeSpan;
        var killAfter = SupervisedCommand.DefaultKillAfter;
        for (var i = 1; i < own.Length; i++)
        {
            var token = own[i];
            switch (token)
            {
                case "--backend" or "-b" when !backendSeen && i + 1 < own.Length && !own[i + 1].StartsWith('-'):
                    backendSeen = true;
                    backend = own[++i];
                    break;
                case "--timeout" when !timeoutSeen && i + 1 < own.Length && DurationParser.TryParse(own[i + 1], out var value, out _):
                    timeoutSeen = true;
                    timeout = value;
                    i++;
                    break;
                case "--kill-after" when !killAfterSeen && i + 1 < own.Length && DurationParser.TryParse(own[i + 1], out var grace, out _):
                    killAfterSeen = true;
                    killAfter = grace;
                    i++;
                    break;
                case "--shared" or "-s" when !shared && !IsBoolean(own, i + 1):
                    shared = true;
                    break;
                case "--verbose" or "-v" when !verbose && !IsBoolean(own, i + 1):
                    verbose = true;
                    break;
                default:
                    if (name is not null || token.Length == 0 || token.StartsWith('-') || token.StartsWith('@'))
                    {
                        return null;
                    }

                    name = token;
                    break;
            }
        }

        return name is null ? null : new RunSession(name, backend is { Length: > 0 } ? backend : null, shared, timeout, verbose, killAfter, child);
    }

    /// <summary>A flag's optional value: System.CommandLine would read it as the flag's, the fast path leaves it alone.</summary>
    private static bool IsBoolean(string[] own, int index) =>
        index < own.Length && (own[index].Equals("true", StringComparison.OrdinalIgnoreCase) || own[index].Equals("false", StringComparison.OrdinalIgnoreCase));
}
