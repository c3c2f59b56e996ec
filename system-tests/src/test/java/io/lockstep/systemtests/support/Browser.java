package io.lockstep.systemtests.support;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * Headless Chromium driven through the Debian chromedriver (packages {@code chromium} and {@code chromium-driver},
 * installed by deploy/local/up and .ci/run): no driver download, no network. Screenshots go to
 * {@code target/screenshots}.
 */
public final class Browser implements AutoCloseable {

    public static final Path SCREENSHOTS = Path.of("target/screenshots");
    /** A laptop screen. */
    public static final Dimension LAPTOP = new Dimension(1440, 900);

    private static final String CHROMIUM = System.getProperty("lockstep.chromium", "/usr/bin/chromium");
    private static final String CHROMEDRIVER = System.getProperty("lockstep.chromedriver", "/usr/bin/chromedriver");

    public final ChromeDriver driver;
    private final Path profile;

    private Browser(ChromeDriver driver, Path profile) {
        this.driver = driver;
        this.profile = profile;
    }

    public static Browser start() throws IOException {
        for (String binary : List.of(CHROMIUM, CHROMEDRIVER)) {
            if (!Files.isExecutable(Path.of(binary))) {
                throw new IllegalStateException(binary + " is missing: install the Debian packages chromium and "
                        + "chromium-driver (deploy/local/up does when run as root)");
            }
        }
        Path profile = Files.createTempDirectory("lockstep-chromium");
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM);
        options.addArguments(
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-dev-shm-usage",
                "--user-data-dir=" + profile,
                "--window-size=" + LAPTOP.width + "," + LAPTOP.height);
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(new File(CHROMEDRIVER))
                .usingAnyFreePort()
                .build();
        ChromeDriver driver = new ChromeDriver(service, options);
        driver.manage().window().setSize(LAPTOP);
        return new Browser(driver, profile);
    }

    /** Waits (up to 60 s) until an element matching {@code css} is visible, and returns it. */
    public WebElement await(String css) {
        return new WebDriverWait(driver, Duration.ofSeconds(60))
                .until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector(css)));
    }

    /** Waits until the element matching {@code css} contains {@code text}. */
    public void awaitText(String css, String text) {
        new WebDriverWait(driver, Duration.ofSeconds(60))
                .until(ExpectedConditions.textToBePresentInElementLocated(By.cssSelector(css), text));
    }

    public List<WebElement> all(String css) {
        return driver.findElements(By.cssSelector(css));
    }

    /**
     * Saves what the laptop-sized window shows as {@code target/screenshots/<name>.png}, and the whole page as
     * {@code <name>-full.png} when it is taller than the window.
     */
    public Path screenshot(String name) throws IOException {
        Files.createDirectories(SCREENSHOTS);
        Path file = SCREENSHOTS.resolve(name + ".png");
        Files.copy(driver.getScreenshotAs(OutputType.FILE).toPath(), file, StandardCopyOption.REPLACE_EXISTING);
        long height = ((Number) driver.executeScript("return document.documentElement.scrollHeight")).longValue();
        if (height > LAPTOP.height) {
            driver.manage().window().setSize(new Dimension(LAPTOP.width, (int) Math.min(height + 120, 6000)));
            Files.copy(
                    driver.getScreenshotAs(OutputType.FILE).toPath(),
                    SCREENSHOTS.resolve(name + "-full.png"),
                    StandardCopyOption.REPLACE_EXISTING);
            driver.manage().window().setSize(LAPTOP);
        }
        return file;
    }

    /** What a browser test does; on failure a screenshot of the page is saved before the failure is rethrown. */
    public interface Steps {
        void run() throws Exception;
    }

    public void onFailure(String screenshot, Steps steps) throws Exception {
        try {
            steps.run();
        } catch (Exception | AssertionError e) {
            try {
                screenshot(screenshot);
            } catch (RuntimeException | IOException ignored) {
                e.addSuppressed(ignored);
            }
            throw e;
        }
    }

    @Override
    public void close() throws IOException {
        try {
            driver.quit();
        } finally {
            try (var files = Files.walk(profile)) {
                files.sorted(java.util.Comparator.reverseOrder())
                        .map(Path::toFile)
                        .forEach(File::delete);
            }
        }
    }
}
