using Xunit;

namespace Baton.Hosting.Tests.Support;

/// <summary>The backends the hosting tests run on: memory:// in a scope of its own, and file:// in a directory of its own.</summary>
public static class TestBackends
{
    /// <summary>Theory data: the kind of backend.</summary>
    public static TheoryData<string> Kinds => new() { "memory", "file" };

    /// <summary>A URL no other test shares.</summary>
    public static string NewUrl(string kind, string purpose) => kind switch
    {
        "memory" => $"memory://{purpose}-{Guid.NewGuid():N}",
        "file" => TestDirectories.NewUrl(purpose),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "memory or file"),
    };
}
