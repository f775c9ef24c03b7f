package io.convserve.api;

import io.swagger.v3.oas.annotations.Hidden;
import org.springframework.stereotype.Controller;
import org.springframework.web.bind.annotation.GetMapping;

/** The page for people ({@code static/ui/}): {@code /} and {@code /ui} lead to it. */
@Controller
@Hidden
class PageController {

    @GetMapping({"/", "/ui"})
    String root() {
        return "redirect:/ui/";
    }

    @GetMapping("/ui/")
    String page() {
        return "forward:/ui/index.html";
    }
}
