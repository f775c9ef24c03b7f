package io.convserve;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

@SpringBootApplication
public class ConvserveApplication {
    public static void main(String[] args) {
        SpringApplication.run(ConvserveApplication.class, args);
    }
}
