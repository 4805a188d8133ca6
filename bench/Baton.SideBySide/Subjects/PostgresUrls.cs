using System.Security.Cryptography;
using System.Text;
using Npgsql;

namespace Baton.SideBySide.Subjects;

/// <summary>postgres:// URLs as Npgsql connection strings, for the PostgreSQL peers.</summary>
internal static class PostgresUrls
{
    public static string ConnectionString(string url)
    {
        var uri = new Uri(url);
        var user = uri.UserInfo.Split(':', 2);
        var builder = new NpgsqlConnectionStringBuilder
        {
            Host = uri.Host,
            Port = uri.Port > 0 ? uri.Port : 5432,
            Username = Uri.UnescapeDataString(user[0]),
            Database = uri.AbsolutePath.TrimStart('/'),
            MaxAutoPrepare = 16,
        };
        if (user.Length > 1)
        {
            builder.Password = Uri.UnescapeDataString(user[1]);
        }

        return builder.ConnectionString;
    }

    /// <summary>A 64-bit advisory key for a name.</summary>
    public static long Key(string name) => BitConverter.ToInt64(SHA256.HashData(Encoding.UTF8.GetBytes(name)), 0);
}
