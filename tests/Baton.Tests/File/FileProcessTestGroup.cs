using Xunit;

namespace Baton.Tests.Files;

/// <summary>
/// The file tests that start many peer processes run one class at a time: on a two-core machine, several
/// of them at once starve the thread pool and blur the timing bounds (cancellation within 100 ms).
/// </summary>
[CollectionDefinition(Name)]
public sealed class FileProcessTestGroup
{
    public const string Name = "File backend peer processes";
}
