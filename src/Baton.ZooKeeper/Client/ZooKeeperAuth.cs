using System.Text;

namespace Baton.ZooKeeper.Client;

/// <summary>Credentials for one authentication scheme, sent as an auth packet after every (re)connect.</summary>
/// <param name="Scheme">The scheme, e.g. <c>digest</c>.</param>
/// <param name="Data">The scheme's credential bytes; never shown by <see cref="ToString"/> or in any message.</param>
public sealed record ZooKeeperAuth(string Scheme, byte[] Data)
{
    /// <summary>Digest credentials: scheme <c>digest</c>, data <c>user:password</c> in UTF-8.</summary>
    public static ZooKeeperAuth Digest(string user, string password)
    {
        ArgumentException.ThrowIfNullOrEmpty(user);
        ArgumentNullException.ThrowIfNull(password);
        if (user.Contains(':', StringComparison.Ordinal))
        {
            throw new ArgumentException("A digest user name cannot contain ':'.", nameof(user));
        }

        return new ZooKeeperAuth("digest", Encoding.UTF8.GetBytes($"{user}:{password}"));
    }

    /// <summary>The scheme only: the credentials stay out of logs and messages.</summary>
    public override string ToString() => $"ZooKeeperAuth {{ Scheme = {Scheme}, Data = *** }}";

    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append("Scheme = ").Append(Scheme).Append(", Data = ***");
        return true;
    }
}
