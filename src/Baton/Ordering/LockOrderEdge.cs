namespace Baton;

/// <summary>One observed order: <see cref="To"/> was acquired by a flow that held <see cref="From"/>.</summary>
/// <param name="From">The name held.</param>
/// <param name="To">The name acquired while holding <paramref name="From"/>.</param>
/// <param name="Site">Where <paramref name="To"/> was acquired the first time in this order: the caller's stack trace, Baton's own frames left out.</param>
public sealed record LockOrderEdge(LockOrderName From, LockOrderName To, string Site)
{
    /// <summary>Shows the order and its site.</summary>
    public override string ToString() => $"{From} -> {To}, acquired at:{Environment.NewLine}{Site}";
}
