# The helper called in one branch keeps an old variant of the step as a comment, but the
# step that runs on every path comes after the `if`.
import torch


class TrainLoop:
    def __init__(self, model, use_fp16):
        self.model = model
        self.use_fp16 = use_fp16
        self.opt = torch.optim.AdamW(model.parameters(), lr=1e-4)

    def run_step(self, batch):
        self.forward_backward(batch)
        if self.use_fp16:
            self.unscale()
        else:
            self.clip()
        self.opt.step()

    def forward_backward(self, batch):
        self.opt.zero_grad()
        loss = self.model(batch).mean()
        loss.backward()

    def unscale(self):
        for p in self.model.parameters():
            p.grad.mul_(0.5)

    def clip(self):
        torch.nn.utils.clip_grad_norm_(self.model.parameters(), 1.0)
        # self.opt.step()
