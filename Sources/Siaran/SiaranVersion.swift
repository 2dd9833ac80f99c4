/// The version `siaran --version` prints and reports carry.
public enum SiaranVersion {
    public static let current = "0.1.0"
}
