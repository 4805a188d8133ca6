using System.Globalization;

namespace Baton.Hostile.Tests.Support;

/// <summary>
/// The seed of the randomised tests: <c>BATON_HOSTILE_SEED</c> when set (to replay a failure), otherwise a new one per
/// run, so every run tries other inputs. Every failure message states it.
/// </summary>
internal static class Seed
{
    public const string Variable = "BATON_HOSTILE_SEED";

    public static int Value { get; } = Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } text
        ? int.Parse(text, CultureInfo.InvariantCulture)
        : Random.Shared.Next();

    /// <summary>How to replay, for failure messages.</summary>
    public static string Replay => $"seed {Value} (replay with {Variable}={Value})";
}
