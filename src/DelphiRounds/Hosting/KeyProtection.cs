using System.Security.Cryptography.X509Certificates;
using DelphiRounds.Data;

namespace DelphiRounds.Hosting;

/// <summary>How the keys behind login cookies and anti-forgery tokens are kept (<c>Storage:KeysFolder</c>).</summary>
public static class KeyProtection
{
    /// <summary>The keys folder, made when missing, readable and writable by the server's own account only.</summary>
    public static DirectoryInfo OwnerOnlyFolder(string path)
    {
        var folder = Directory.CreateDirectory(path);
        if (!OperatingSystem.IsWindows())
            File.SetUnixFileMode(folder.FullName, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return folder;
    }

    /// <summary>The certificate of <c>Storage:KeysCertificatePath</c> (a .pfx, with <c>Storage:KeysCertificatePassword</c>), or null when none is set.</summary>
    public static X509Certificate2? Certificate(IConfiguration configuration)
    {
        var path = configuration[$"{StorageOptions.Section}:{nameof(StorageOptions.KeysCertificatePath)}"];
        if (string.IsNullOrWhiteSpace(path)) return null;
        return X509CertificateLoader.LoadPkcs12FromFile(Kernel.Settings.ResolvePath(configuration, path),
            configuration[$"{StorageOptions.Section}:{nameof(StorageOptions.KeysCertificatePassword)}"]);
    }
}
